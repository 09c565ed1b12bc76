// edit: status.pony | fun err_type(): U32 => 12 | fun err_type(): U32 => 13
// expect: Status.err_type() is 13, the header's GILSTUFF_ERR_TYPE is 12
