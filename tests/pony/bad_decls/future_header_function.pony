// What happens when an issue adds a function to the header and nobody binds it.
// header-add: gilstuff_status gilstuff_future_function(struct gilstuff_object **out, struct gilstuff_error **err);
// expect: header function gilstuff_future_function is neither declared in the package nor listed
