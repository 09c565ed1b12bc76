struct _GilstuffConfig
  """
  Mirror of C `gilstuff_config`, field for field (checked by tests/pony).
  Filled by `Python.init` from its Pony parameters. The string fields hold
  `String.cstring()` pointers: the library copies them during `gilstuff_init`,
  so the Strings only have to live until that call returns.
  """
  var size: U32 = 0
  var origin: U32 = 0
  var program_name: Pointer[U8] tag = Pointer[U8]
  var python_home: Pointer[U8] tag = Pointer[U8]
  var sys_path: Pointer[U8] tag = Pointer[U8]
  var isolated: Bool = false
  var install_signal_handlers: Bool = false
  var switch_interval_us: U32 = 0

  new create() =>
    // The library sets `size` and its defaults; Python.init then sets the rest.
    @gilstuff_config_init(this)
