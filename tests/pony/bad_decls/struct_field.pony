// edit: config.pony | var isolated: Bool = false | var isolated: U32 = 0
// expect: struct GilstuffConfig.isolated: U32 does not match C bool
