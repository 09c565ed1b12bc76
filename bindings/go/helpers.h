// C helpers for the Go binding. Each Go method makes exactly one cgo call to one of
// these, which returns the status and the error object together: nothing is read from
// thread-local state after the call (the goroutine may be on another OS thread by
// then). Handles cross the boundary as uintptr_t so that Go never holds a
// gilstuff_object token in a pointer-typed variable.
#ifndef GILSTUFF_GO_HELPERS_H
#define GILSTUFF_GO_HELPERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <gilstuff.h>

typedef struct { gilstuff_status status; uintptr_t err; } gs_res;

typedef struct {
  gilstuff_status code;
  const char *message;
  const char *python_type;
  const char *traceback;
} gs_err_fields;

gs_err_fields gs_error_fields(uintptr_t err);
void gs_error_free(uintptr_t err);

gs_res gs_init(const char *program_name, const char *python_home, const char *sys_path,
               bool isolated, bool install_signal_handlers, uint32_t switch_interval_us);
gs_res gs_finalize(void);
gs_res gs_with_gil(uintptr_t handle);
gs_res gs_with_interp(uintptr_t interp, uintptr_t handle);
int gs_in_callback(void);
gs_res gs_run_string(const char *code, size_t len);
void gs_noop(void);

// ---- objects (objects.c) ----

char *gs_cstr(const char *p, size_t n, char *stack, size_t cap);
void gs_cstr_free(char *s, char *stack);

typedef struct { gilstuff_status status; uintptr_t err; uintptr_t obj; } gs_res_obj;
typedef struct { gilstuff_status status; uintptr_t err; int64_t i; } gs_res_int;
typedef struct { gilstuff_status status; uintptr_t err; uint64_t u; } gs_res_uint;
typedef struct { gilstuff_status status; uintptr_t err; double f; } gs_res_float;
typedef struct { gilstuff_status status; uintptr_t err; uint8_t *data; size_t len; } gs_res_buf;

// A Go value flattened for the C side (see convert.go): scalars inline, strings and
// bytes as offsets into one data buffer, containers as a run of child values.
enum {
  GS_NONE, GS_BOOL, GS_INT, GS_UINT, GS_FLOAT, GS_STR, GS_BYTES, GS_OBJ,
  GS_TUPLE, GS_LIST, GS_DICT,
};
typedef struct {
  uint32_t kind;
  uint32_t _pad;
  uint64_t a;  // bool/int/uint/float bits, data offset, handle, first child index
  uint64_t b;  // length in bytes, child count (dict: pair count)
} gs_val;

// What gs_op does with the target and the converted values vals[0..nargs]
// (+ vals[nargs], a dict, when has_kwargs).
enum {
  GS_OP_VALUE,        // result = vals[0]
  GS_OP_CALL,         // result = target(*args, **kwargs)
  GS_OP_CALL_METHOD,  // result = target.name(*args, **kwargs)
  GS_OP_INVOKE,       // target(*args, **kwargs), result dropped
  GS_OP_SETATTR,      // setattr(target, name, vals[0])
  GS_OP_GETITEM,      // result = target[vals[0]]
  GS_OP_SETITEM,      // target[vals[0]] = vals[1]
};

// interp: where values are built and the call is entered (the target's interpreter,
// or the one ValueOf works in); 0 = main.
gs_res_obj gs_op(int op, uintptr_t interp, uintptr_t target, const char *name, size_t name_len,
                 const gs_val *vals, size_t nargs, int has_kwargs, const char *data);
gs_res_obj gs_call0(uintptr_t callable);
// The hot call: callable() with the result dropped. Returns only the error object
// (0 on success: gilstuff writes one on every failure), so that the result is one word.
uintptr_t gs_invoke0(uintptr_t callable);
gs_res gs_release(uintptr_t obj);

gs_res_obj gs_import(uintptr_t interp, const char *name, size_t len);
gs_res_obj gs_getattr(uintptr_t obj, const char *name, size_t len);
gs_res_obj gs_eval(uintptr_t interp, const char *expr, size_t len, uintptr_t globals);
gs_res gs_exec(uintptr_t interp, const char *code, size_t len, uintptr_t globals);
gs_res_obj gs_main_dict(uintptr_t interp);
gs_res_obj gs_clone(uintptr_t obj);

gs_res_int gs_to_int(uintptr_t obj);
gs_res_uint gs_to_uint(uintptr_t obj);
gs_res_float gs_to_float(uintptr_t obj);
gs_res_int gs_to_bool(uintptr_t obj);
gs_res_int gs_is_none(uintptr_t obj);
gs_res_uint gs_len(uintptr_t obj);
// which: 0 str, 1 bytes, 2 repr, 3 type name. Free data with gs_buffer_free.
gs_res_buf gs_to_buffer(uintptr_t obj, int which);
void gs_buffer_free(uint8_t *data, size_t len);

// ---- sub-interpreters (interp.c) ----

// gilstuff_interp_config_init, then the given fields.
void gs_fill_interp_config(gilstuff_interp_config *cfg, bool own_gil, bool isolated_modules,
                           bool allow_threads, bool allow_daemon_threads,
                           bool check_multi_interp_extensions);

// The interpreter returned in gs_res_obj.obj (a token, never dereferenced).
gs_res_obj gs_interp_new(bool own_gil, bool isolated_modules, bool allow_threads,
                         bool allow_daemon_threads, bool check_multi_interp_extensions);
gs_res gs_interp_free(uintptr_t interp);
int64_t gs_interp_id(uintptr_t interp);

// ---- pool (pool.c) ----

gs_res_obj gs_pool_new(size_t n, int has_cfg, bool own_gil, bool isolated_modules,
                       bool allow_threads, bool allow_daemon_threads,
                       bool check_multi_interp_extensions);
gs_res gs_pool_free(uintptr_t pool);
gs_res_obj gs_pool_interp(uintptr_t pool, size_t index);

// The result of gs_pool_call, flattened like the arguments (GS_NONE, GS_BOOL, GS_INT,
// GS_FLOAT, GS_STR, GS_BYTES, GS_LIST; vals[0] is the result). It is written into the
// caller's buffers when it fits (vals == the caller's, data likewise); otherwise into
// malloc'd ones that the caller frees with gs_pool_result_free.
typedef struct {
  gilstuff_status status;
  uintptr_t err;
  gs_val *vals;
  size_t nvals;
  char *data;
  size_t ndata;
} gs_res_pool;

gs_res_pool gs_pool_call(uintptr_t pool, const char *module, size_t module_len,
                         const char *function, size_t function_len,
                         const gs_val *args, size_t nargs, const char *data,
                         gs_val *out_vals, size_t out_vals_cap,
                         char *out_data, size_t out_data_cap);
void gs_pool_result_free(gs_val *vals, gs_val *out_vals, char *data, char *out_data);

#endif
