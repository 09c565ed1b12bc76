// file: shim.c
// expect: shim.c: a .c file in the package
int unused;
