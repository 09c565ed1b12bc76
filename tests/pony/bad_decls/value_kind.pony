// The private mirrors of GILSTUFF_VALUE_* (which _Values reads results by) must hold
// the header's values.
// edit: _values.pony | fun _kind(): U32 => 7 | fun _kind(): U32 => 8
// expect: _PyValueList._kind() is 8, the header's GILSTUFF_VALUE_LIST is 7
