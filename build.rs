//! Emits the `Py_3_*` cfgs for the Python being linked and an rpath to its libpython,
//! so that test binaries and the cdylib find a pyenv-installed libpython at run time.
fn main() {
    pyo3_build_config::use_pyo3_cfgs();
    pyo3_build_config::add_libpython_rpath_link_args();
    println!("cargo:rerun-if-env-changed=PYO3_PYTHON");
    println!("cargo:rerun-if-env-changed=PYTHON");
}
