// Core C helpers of the Go binding: see helpers.h.
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "_cgo_export.h"

gs_err_fields gs_error_fields(uintptr_t e) {
  const gilstuff_error *err = (const gilstuff_error *)e;
  gs_err_fields f = {gilstuff_error_code(err), gilstuff_error_message(err),
                     gilstuff_error_python_type(err), gilstuff_error_traceback(err)};
  return f;
}

void gs_error_free(uintptr_t e) { gilstuff_error_free((gilstuff_error *)e); }

gs_res gs_init(const char *program_name, const char *python_home, const char *sys_path,
               bool isolated, bool install_signal_handlers, uint32_t switch_interval_us) {
  gilstuff_config cfg;
  gilstuff_config_init(&cfg);
  cfg.program_name = program_name;
  cfg.python_home = python_home;
  cfg.sys_path = sys_path;
  cfg.isolated = isolated;
  cfg.install_signal_handlers = install_signal_handlers;
  cfg.switch_interval_us = switch_interval_us;
  gilstuff_error *err = NULL;
  gilstuff_status st = gilstuff_init(&cfg, &err);
  return (gs_res){st, (uintptr_t)err};
}

gs_res gs_finalize(void) {
  gilstuff_error *err = NULL;
  gilstuff_status st = gilstuff_finalize(&err);
  return (gs_res){st, (uintptr_t)err};
}

// Depth of Go callbacks running on this OS thread under gilstuff_with_gil. A goroutine
// inside a callback is locked to its thread, so the flag identifies nested calls.
static __thread int gs_cb_depth;

static gilstuff_status gs_trampoline(void *userdata) {
  gs_cb_depth++;
  gilstuff_status st = gsGoCallback((uintptr_t)userdata);
  gs_cb_depth--;
  return st;
}

gs_res gs_with_gil(uintptr_t handle) {
  gilstuff_error *err = NULL;
  gilstuff_status st = gilstuff_with_gil(gs_trampoline, (void *)handle, &err);
  return (gs_res){st, (uintptr_t)err};
}

gs_res gs_with_interp(uintptr_t interp, uintptr_t handle) {
  gilstuff_error *err = NULL;
  gilstuff_status st =
      gilstuff_with_interp((gilstuff_interp *)interp, gs_trampoline, (void *)handle, &err);
  return (gs_res){st, (uintptr_t)err};
}

int gs_in_callback(void) { return gs_cb_depth > 0; }

// Copies a Go string (not NUL-terminated) into a C string: into `stack` when it fits,
// else into malloc'd memory (NULL when out of memory). Free with gs_cstr_free.
char *gs_cstr(const char *p, size_t n, char *stack, size_t cap) {
  char *s = n < cap ? stack : malloc(n + 1);
  if (s == NULL) return NULL;
  if (n) memcpy(s, p, n);
  s[n] = 0;
  return s;
}

void gs_cstr_free(char *s, char *stack) {
  if (s != stack) free(s);
}

gs_res gs_run_string(const char *code, size_t len) {
  char stack[512];
  char *c = gs_cstr(code, len, stack, sizeof stack);
  if (c == NULL) return (gs_res){GILSTUFF_ERR_INVALID_ARGUMENT, 0};
  gilstuff_error *err = NULL;
  gilstuff_status st = gilstuff_run_string(c, &err);
  gs_cstr_free(c, stack);
  return (gs_res){st, (uintptr_t)err};
}

void gs_noop(void) {}
