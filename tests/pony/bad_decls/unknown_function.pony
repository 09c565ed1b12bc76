// expect: @gilstuff_object_free: no such function in the header
use @gilstuff_object_free[None](obj: Pointer[_GilstuffObject] tag)
