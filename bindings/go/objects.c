// Object helpers of the Go binding: one function per Go method, each returning the
// status and error object together. See helpers.h.
#include <stdlib.h>
#include <string.h>

#include "helpers.h"

#define H(x) ((gilstuff_object *)(x))
#define I(x) ((gilstuff_interp *)(x))
#define STACK_ITEMS 16
#define NAME_CAP 256

// ---- building Python values from gs_val (called with the GIL held) ----

// One built value: its handle, and whether it is a temporary to release.
typedef struct { gilstuff_object *h; int owned; } built;

static gilstuff_status build(gilstuff_interp *in, const gs_val *v, size_t i, const char *data,
                             built *out, gilstuff_error **err);

static void drop(built *items, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (items[i].owned) gilstuff_object_release(items[i].h, NULL);
}

static gilstuff_status build_seq(gilstuff_interp *in, const gs_val *v, const gs_val *x, const char *data,
                                 gilstuff_object **out, gilstuff_error **err) {
  size_t n = (size_t)x->b;
  built stack[STACK_ITEMS];
  gilstuff_object *hstack[STACK_ITEMS];
  built *items = n <= STACK_ITEMS ? stack : malloc(n * sizeof *items);
  gilstuff_object **hs = n <= STACK_ITEMS ? hstack : malloc(n * sizeof *hs);
  gilstuff_status st = GILSTUFF_OK;
  size_t done = 0;
  if (items == NULL || hs == NULL) {
    st = GILSTUFF_ERR_INVALID_ARGUMENT;
    goto out;
  }
  for (; done < n; done++) {
    st = build(in, v, (size_t)x->a + done, data, &items[done], err);
    if (st != GILSTUFF_OK) goto out;
    hs[done] = items[done].h;
  }
  st = x->kind == GS_TUPLE ? gilstuff_tuple(in, hs, n, out, err)
                           : gilstuff_list(in, hs, n, out, err);
out:
  if (items != NULL) drop(items, done);
  if (items != stack) free(items);
  if (hs != hstack) free(hs);
  return st;
}

static gilstuff_status build_dict(gilstuff_interp *in, const gs_val *v, const gs_val *x, const char *data,
                                  gilstuff_object **out, gilstuff_error **err) {
  gilstuff_object *d = NULL;
  gilstuff_status st = gilstuff_dict(in, &d, err);
  for (size_t p = 0; st == GILSTUFF_OK && p < (size_t)x->b; p++) {
    built k = {0}, val = {0};
    st = build(in, v, (size_t)x->a + 2 * p, data, &k, err);
    if (st == GILSTUFF_OK) {
      st = build(in, v, (size_t)x->a + 2 * p + 1, data, &val, err);
      if (st == GILSTUFF_OK) {
        st = gilstuff_setitem(d, k.h, val.h, err);
        drop(&val, 1);
      }
      drop(&k, 1);
    }
  }
  if (st == GILSTUFF_OK) {
    *out = d;
  } else if (d != NULL) {
    gilstuff_object_release(d, NULL);
  }
  return st;
}

static gilstuff_status build(gilstuff_interp *in, const gs_val *v, size_t i, const char *data,
                             built *out, gilstuff_error **err) {
  const gs_val *x = &v[i];
  out->owned = 1;
  switch (x->kind) {
  case GS_NONE: return gilstuff_none(in, &out->h, err);
  case GS_BOOL: return gilstuff_bool(in, x->a != 0, &out->h, err);
  case GS_INT: return gilstuff_int(in, (int64_t)x->a, &out->h, err);
  case GS_UINT: return gilstuff_uint(in, x->a, &out->h, err);
  case GS_FLOAT: {
    double f;
    memcpy(&f, &x->a, sizeof f);
    return gilstuff_float(in, f, &out->h, err);
  }
  case GS_STR: return gilstuff_str(in, x->b ? data + x->a : NULL, (size_t)x->b, &out->h, err);
  case GS_BYTES:
    return gilstuff_bytes(in, x->b ? (const uint8_t *)data + x->a : NULL, (size_t)x->b,
                          &out->h, err);
  case GS_OBJ:
    out->h = H(x->a);
    out->owned = 0;
    return GILSTUFF_OK;
  case GS_TUPLE:
  case GS_LIST: return build_seq(in, v, x, data, &out->h, err);
  case GS_DICT: return build_dict(in, v, x, data, &out->h, err);
  }
  return GILSTUFF_ERR_INVALID_ARGUMENT;
}

// ---- gs_op: convert the values and apply the operation, under one GIL acquisition ----

typedef struct {
  int op;
  gilstuff_interp *interp;
  gilstuff_object *target;
  const char *name;  // NUL-terminated
  const gs_val *vals;
  size_t nargs;
  int has_kwargs;
  const char *data;
  gilstuff_object *result;
  gilstuff_error *err;
  gilstuff_status status;
} op_ctx;

// Applies the operation to already built values. Inside gilstuff_with_gil (or on
// handles only) each gilstuff call here runs as a nested call or takes the GIL itself.
static gilstuff_status apply_op(op_ctx *c, gilstuff_object *const *args, gilstuff_object *kwargs) {
  gilstuff_error **err = &c->err;
  switch (c->op) {
  case GS_OP_VALUE:
    return gilstuff_object_clone(args[0], &c->result, err);
  case GS_OP_CALL:
    return gilstuff_call(c->target, args, c->nargs, kwargs, &c->result, err);
  case GS_OP_CALL_METHOD:
    return gilstuff_call_method(c->target, c->name, args, c->nargs, kwargs, &c->result, err);
  case GS_OP_INVOKE:
    return gilstuff_invoke(c->target, args, c->nargs, kwargs, err);
  case GS_OP_SETATTR:
    return gilstuff_setattr(c->target, c->name, args[0], err);
  case GS_OP_GETITEM:
    return gilstuff_getitem(c->target, args[0], &c->result, err);
  case GS_OP_SETITEM:
    return gilstuff_setitem(c->target, args[0], args[1], err);
  }
  return GILSTUFF_ERR_INVALID_ARGUMENT;
}

static gilstuff_status op_cb(void *userdata) {
  op_ctx *c = userdata;
  size_t total = c->nargs + (c->has_kwargs ? 1 : 0);
  built stack[STACK_ITEMS];
  gilstuff_object *hstack[STACK_ITEMS];
  built *items = total <= STACK_ITEMS ? stack : malloc(total * sizeof *items);
  gilstuff_object **hs = total <= STACK_ITEMS ? hstack : malloc(total * sizeof *hs);
  size_t done = 0;
  if (items == NULL || hs == NULL) {
    c->status = GILSTUFF_ERR_INVALID_ARGUMENT;
    goto out;
  }
  c->status = GILSTUFF_OK;
  for (; done < total; done++) {
    c->status = build(c->interp, c->vals, done, c->data, &items[done], &c->err);
    if (c->status != GILSTUFF_OK) goto out;
    hs[done] = items[done].h;
  }
  c->status = apply_op(c, hs, c->has_kwargs ? hs[c->nargs] : NULL);
out:
  if (items != NULL) drop(items, done);
  if (items != stack) free(items);
  if (hs != hstack) free(hs);
  // The operation's own status and error travel in c; with_gil reports only its own.
  return GILSTUFF_OK;
}

gs_res_obj gs_op(int op, uintptr_t interp, uintptr_t target, const char *name, size_t name_len,
                 const gs_val *vals, size_t nargs, int has_kwargs, const char *data) {
  char nstack[NAME_CAP];
  op_ctx c = {op, I(interp), H(target), NULL, vals, nargs, has_kwargs, data, NULL, NULL, GILSTUFF_OK};
  if (name != NULL) {
    c.name = gs_cstr(name, name_len, nstack, sizeof nstack);
    if (c.name == NULL) return (gs_res_obj){GILSTUFF_ERR_INVALID_ARGUMENT, 0, 0};
  }
  size_t total = nargs + (has_kwargs ? 1 : 0);
  int handles_only = 1;
  for (size_t i = 0; i < total && handles_only; i++) handles_only = vals[i].kind == GS_OBJ;
  if (handles_only) {
    // Nothing to convert: one gilstuff call, which takes the GIL itself.
    gilstuff_object *hstack[STACK_ITEMS];
    gilstuff_object **hs = total <= STACK_ITEMS ? hstack : malloc(total * sizeof *hs);
    if (hs == NULL) {
      c.status = GILSTUFF_ERR_INVALID_ARGUMENT;
    } else {
      for (size_t i = 0; i < total; i++) hs[i] = H(vals[i].a);
      c.status = apply_op(&c, hs, has_kwargs ? hs[nargs] : NULL);
      if (hs != hstack) free(hs);
    }
  } else {
    gilstuff_error *werr = NULL;
    gilstuff_status st = gilstuff_with_interp(c.interp, op_cb, &c, &werr);
    if (st != GILSTUFF_OK) {
      // The callback did not run (not initialised, finalizing...): report why.
      gilstuff_error_free(c.err);
      c.status = st;
      c.err = werr;
      c.result = NULL;
    }
  }
  if (c.name != NULL) gs_cstr_free((char *)c.name, nstack);
  return (gs_res_obj){c.status, (uintptr_t)c.err, (uintptr_t)c.result};
}

// ---- single calls ----

gs_res_obj gs_call0(uintptr_t callable) {
  gilstuff_object *r = NULL;
  gilstuff_error *err = NULL;
  gilstuff_status st = gilstuff_call(H(callable), NULL, 0, NULL, &r, &err);
  return (gs_res_obj){st, (uintptr_t)err, (uintptr_t)r};
}

uintptr_t gs_invoke0(uintptr_t callable) {
  gilstuff_error *err = NULL;
  gilstuff_invoke(H(callable), NULL, 0, NULL, &err);
  return (uintptr_t)err;  // every failure writes one
}

gs_res gs_release(uintptr_t obj) {
  gilstuff_error *err = NULL;
  gilstuff_status st = gilstuff_object_release(H(obj), &err);
  return (gs_res){st, (uintptr_t)err};
}

gs_res_obj gs_import(uintptr_t interp, const char *name, size_t len) {
  char stack[NAME_CAP];
  char *n = gs_cstr(name, len, stack, sizeof stack);
  if (n == NULL) return (gs_res_obj){GILSTUFF_ERR_INVALID_ARGUMENT, 0, 0};
  gilstuff_object *r = NULL;
  gilstuff_error *err = NULL;
  gilstuff_status st = gilstuff_import(I(interp), n, &r, &err);
  gs_cstr_free(n, stack);
  return (gs_res_obj){st, (uintptr_t)err, (uintptr_t)r};
}

gs_res_obj gs_getattr(uintptr_t obj, const char *name, size_t len) {
  char stack[NAME_CAP];
  char *n = gs_cstr(name, len, stack, sizeof stack);
  if (n == NULL) return (gs_res_obj){GILSTUFF_ERR_INVALID_ARGUMENT, 0, 0};
  gilstuff_object *r = NULL;
  gilstuff_error *err = NULL;
  gilstuff_status st = gilstuff_getattr(H(obj), n, &r, &err);
  gs_cstr_free(n, stack);
  return (gs_res_obj){st, (uintptr_t)err, (uintptr_t)r};
}

gs_res_obj gs_eval(uintptr_t interp, const char *expr, size_t len, uintptr_t globals) {
  char stack[512];
  char *e = gs_cstr(expr, len, stack, sizeof stack);
  if (e == NULL) return (gs_res_obj){GILSTUFF_ERR_INVALID_ARGUMENT, 0, 0};
  gilstuff_object *r = NULL;
  gilstuff_error *err = NULL;
  gilstuff_status st = gilstuff_eval(I(interp), e, H(globals), &r, &err);
  gs_cstr_free(e, stack);
  return (gs_res_obj){st, (uintptr_t)err, (uintptr_t)r};
}

gs_res gs_exec(uintptr_t interp, const char *code, size_t len, uintptr_t globals) {
  char stack[512];
  char *c = gs_cstr(code, len, stack, sizeof stack);
  if (c == NULL) return (gs_res){GILSTUFF_ERR_INVALID_ARGUMENT, 0};
  gilstuff_error *err = NULL;
  gilstuff_status st = gilstuff_exec(I(interp), c, H(globals), &err);
  gs_cstr_free(c, stack);
  return (gs_res){st, (uintptr_t)err};
}

gs_res_obj gs_main_dict(uintptr_t interp) {
  gilstuff_object *r = NULL;
  gilstuff_error *err = NULL;
  gilstuff_status st = gilstuff_main_dict(I(interp), &r, &err);
  return (gs_res_obj){st, (uintptr_t)err, (uintptr_t)r};
}

gs_res_obj gs_clone(uintptr_t obj) {
  gilstuff_object *r = NULL;
  gilstuff_error *err = NULL;
  gilstuff_status st = gilstuff_object_clone(H(obj), &r, &err);
  return (gs_res_obj){st, (uintptr_t)err, (uintptr_t)r};
}

// ---- reading values ----

gs_res_int gs_to_int(uintptr_t obj) {
  int64_t v = 0;
  gilstuff_error *err = NULL;
  gilstuff_status st = gilstuff_to_int(H(obj), &v, &err);
  return (gs_res_int){st, (uintptr_t)err, v};
}

gs_res_uint gs_to_uint(uintptr_t obj) {
  uint64_t v = 0;
  gilstuff_error *err = NULL;
  gilstuff_status st = gilstuff_to_uint(H(obj), &v, &err);
  return (gs_res_uint){st, (uintptr_t)err, v};
}

gs_res_float gs_to_float(uintptr_t obj) {
  double v = 0;
  gilstuff_error *err = NULL;
  gilstuff_status st = gilstuff_to_float(H(obj), &v, &err);
  return (gs_res_float){st, (uintptr_t)err, v};
}

gs_res_int gs_to_bool(uintptr_t obj) {
  bool v = false;
  gilstuff_error *err = NULL;
  gilstuff_status st = gilstuff_to_bool(H(obj), &v, &err);
  return (gs_res_int){st, (uintptr_t)err, v};
}

gs_res_int gs_is_none(uintptr_t obj) {
  bool v = false;
  gilstuff_error *err = NULL;
  gilstuff_status st = gilstuff_is_none(H(obj), &v, &err);
  return (gs_res_int){st, (uintptr_t)err, v};
}

gs_res_uint gs_len(uintptr_t obj) {
  size_t v = 0;
  gilstuff_error *err = NULL;
  gilstuff_status st = gilstuff_len(H(obj), &v, &err);
  return (gs_res_uint){st, (uintptr_t)err, v};
}

gs_res_buf gs_to_buffer(uintptr_t obj, int which) {
  gilstuff_buffer buf = {NULL, 0};
  gilstuff_error *err = NULL;
  gilstuff_status st;
  switch (which) {
  case 0: st = gilstuff_to_str(H(obj), &buf, &err); break;
  case 1: st = gilstuff_to_bytes(H(obj), &buf, &err); break;
  case 2: st = gilstuff_repr(H(obj), &buf, &err); break;
  default: st = gilstuff_type_name(H(obj), &buf, &err); break;
  }
  return (gs_res_buf){st, (uintptr_t)err, buf.data, buf.len};
}

void gs_buffer_free(uint8_t *data, size_t len) {
  gilstuff_buffer buf = {data, len};
  gilstuff_buffer_free(&buf);
}
