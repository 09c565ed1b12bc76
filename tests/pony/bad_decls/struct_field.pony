// edit: _gilstuff_config.pony | var isolated: Bool = false | var isolated: U32 = 0
// expect: struct _GilstuffConfig.isolated: U32 does not match C bool
