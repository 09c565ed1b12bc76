// Sub-interpreter helpers of the Go binding: see helpers.h.
#include "helpers.h"

void gs_fill_interp_config(gilstuff_interp_config *cfg, bool own_gil, bool isolated_modules,
                           bool allow_threads, bool allow_daemon_threads,
                           bool check_multi_interp_extensions) {
  gilstuff_interp_config_init(cfg);
  cfg->own_gil = own_gil;
  cfg->isolated_modules = isolated_modules;
  cfg->allow_threads = allow_threads;
  cfg->allow_daemon_threads = allow_daemon_threads;
  cfg->check_multi_interp_extensions = check_multi_interp_extensions;
}

gs_res_obj gs_interp_new(bool own_gil, bool isolated_modules, bool allow_threads,
                         bool allow_daemon_threads, bool check_multi_interp_extensions) {
  gilstuff_interp_config cfg;
  gs_fill_interp_config(&cfg, own_gil, isolated_modules, allow_threads, allow_daemon_threads,
                        check_multi_interp_extensions);
  gilstuff_interp *in = NULL;
  gilstuff_error *err = NULL;
  gilstuff_status st = gilstuff_interp_new(&cfg, &in, &err);
  return (gs_res_obj){st, (uintptr_t)err, (uintptr_t)in};
}

gs_res gs_interp_free(uintptr_t interp) {
  gilstuff_error *err = NULL;
  gilstuff_status st = gilstuff_interp_free((gilstuff_interp *)interp, &err);
  return (gs_res){st, (uintptr_t)err};
}

int64_t gs_interp_id(uintptr_t interp) { return gilstuff_interp_id((gilstuff_interp *)interp); }
