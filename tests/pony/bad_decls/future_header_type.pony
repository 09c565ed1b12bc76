// A new opaque type in the header needs a Pony primitive (or an absent entry).
// header-add: typedef struct gilstuff_pool gilstuff_pool;
// expect: header opaque type gilstuff_pool has no Pony primitive in type_table.OPAQUE
