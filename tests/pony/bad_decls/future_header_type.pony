// A new opaque type in the header needs a Pony primitive (or an absent entry).
// header-add: typedef struct gilstuff_future_handle gilstuff_future_handle;
// expect: header opaque type gilstuff_future_handle has no Pony primitive in type_table.OPAQUE
