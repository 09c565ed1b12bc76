//! Init options in Rust form, and the `PyConfig` built from them.

use std::ffi::CString;
use std::mem::MaybeUninit;
use std::ptr;

use pyo3_ffi as ffi;

use super::error::{Error, Result};
use super::status::*;

/// Which thread calls `Py_InitializeFromConfig` and, later, `Py_FinalizeEx`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// A thread of the library's own (default): finalize may then be called from any thread.
    Owned,
    /// The thread that calls init: finalize must come from that same thread.
    Caller,
}

/// What `gilstuff_init` was asked for.
#[derive(Debug, Clone)]
pub struct Options {
    pub program_name: Option<CString>,
    pub python_home: Option<CString>,
    /// Directories put at the front of `sys.path`, in order.
    pub sys_path: Vec<String>,
    pub isolated: bool,
    pub install_signal_handlers: bool,
    pub origin: Origin,
    /// GIL switch interval in microseconds; 0 keeps Python's default (5 ms).
    pub switch_interval_us: u32,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            program_name: None,
            python_home: None,
            sys_path: Vec::new(),
            isolated: false,
            install_signal_handlers: false,
            origin: Origin::Owned,
            switch_interval_us: 0,
        }
    }
}

/// Initialises Python from `opts` on the calling thread, which then holds the GIL.
///
/// # Safety
/// Python is not initialised; no other thread initialises it at the same time
/// (the lifecycle lock is held).
pub(crate) unsafe fn initialize(opts: &Options) -> Result<()> {
    let mut config = MaybeUninit::<ffi::PyConfig>::zeroed();
    // SAFETY: PyConfig_Init* fill every field of the zeroed struct.
    if opts.isolated {
        ffi::PyConfig_InitIsolatedConfig(config.as_mut_ptr());
    } else {
        ffi::PyConfig_InitPythonConfig(config.as_mut_ptr());
    }
    let mut config = config.assume_init();
    config.install_signal_handlers = opts.install_signal_handlers as _;
    config.parse_argv = 0;
    let result = (|| {
        if let Some(name) = &opts.program_name {
            let field = ptr::addr_of_mut!(config.program_name);
            check(ffi::PyConfig_SetBytesString(&mut config, field, name.as_ptr()), "program_name")?;
        }
        if let Some(home) = &opts.python_home {
            let field = ptr::addr_of_mut!(config.home);
            check(ffi::PyConfig_SetBytesString(&mut config, field, home.as_ptr()), "python_home")?;
        }
        check(ffi::Py_InitializeFromConfig(&config), "Py_InitializeFromConfig")
    })();
    ffi::PyConfig_Clear(&mut config);
    result?;
    import_threading()?;
    apply_runtime_options(opts)
}

/// Imports `threading` on the thread that initialised Python, so that this thread is
/// `threading`'s main thread. Otherwise the first host thread to import it would be, and
/// `Py_FinalizeEx` (run here) would wait for that thread's thread state to end: a hang,
/// or "Exception ignored ... AssertionError" in `threading._shutdown`.
pub(crate) unsafe fn import_threading() -> Result<()> {
    let threading = ffi::PyImport_ImportModule(c"threading".as_ptr());
    if threading.is_null() {
        return Err(Error::fetch_python());
    }
    ffi::Py_DECREF(threading);
    Ok(())
}

/// Options applied from Python once the interpreter runs: `sys.path`, switch interval.
unsafe fn apply_runtime_options(opts: &Options) -> Result<()> {
    insert_sys_path(&opts.sys_path)?;
    if opts.switch_interval_us > 0 {
        let code = format!("import sys\nsys.setswitchinterval({})\n", opts.switch_interval_us as f64 / 1e6);
        let code = CString::new(code).expect("no NUL in formatted code");
        if ffi::PyRun_SimpleString(code.as_ptr()) != 0 {
            return Err(Error::new(GILSTUFF_ERR_INIT_FAILED, "sys.setswitchinterval failed"));
        }
    }
    Ok(())
}

/// Puts `entries` at the front of `sys.path` of the interpreter this thread is in.
///
/// # Safety
/// The calling thread holds the GIL with a current thread state.
pub(crate) unsafe fn insert_sys_path(entries: &[String]) -> Result<()> {
    let path = ffi::PySys_GetObject(c"path".as_ptr()); // borrowed
    if path.is_null() {
        return Ok(());
    }
    for (i, entry) in entries.iter().enumerate() {
        let item = ffi::PyUnicode_FromStringAndSize(entry.as_ptr().cast(), entry.len() as _);
        if item.is_null() || ffi::PyList_Insert(path, i as _, item) != 0 {
            ffi::Py_XDECREF(item);
            return Err(Error::fetch_python());
        }
        ffi::Py_DECREF(item);
    }
    Ok(())
}

unsafe fn check(status: ffi::PyStatus, what: &str) -> Result<()> {
    if ffi::PyStatus_Exception(status) == 0 {
        return Ok(());
    }
    let msg = if status.err_msg.is_null() {
        "unknown error".to_string()
    } else {
        std::ffi::CStr::from_ptr(status.err_msg).to_string_lossy().into_owned()
    };
    Err(Error::new(GILSTUFF_ERR_INIT_FAILED, format!("{what} failed: {msg}")))
}
