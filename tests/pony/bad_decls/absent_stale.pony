// absent: gilstuff_no_such_function: a name the header does not have
// expect: gilstuff_no_such_function is listed as absent but is not in the header
