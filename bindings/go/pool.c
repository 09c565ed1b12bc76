// Pool helpers of the Go binding: see helpers.h. gs_pool_call converts the flattened Go
// arguments to gilstuff_values, calls, and flattens the result back, in one cgo call.
#include <stdlib.h>
#include <string.h>

#include "helpers.h"

#define NAME_CAP 256
#define STACK_ARGS 16

gs_res_obj gs_pool_new(size_t n, int has_cfg, bool own_gil, bool isolated_modules,
                       bool allow_threads, bool allow_daemon_threads,
                       bool check_multi_interp_extensions) {
  gilstuff_interp_config cfg;
  gs_fill_interp_config(&cfg, own_gil, isolated_modules, allow_threads, allow_daemon_threads,
                        check_multi_interp_extensions);
  gilstuff_pool *pool = NULL;
  gilstuff_error *err = NULL;
  gilstuff_status st = gilstuff_pool_new(n, has_cfg ? &cfg : NULL, &pool, &err);
  return (gs_res_obj){st, (uintptr_t)err, (uintptr_t)pool};
}

gs_res gs_pool_free(uintptr_t pool) {
  gilstuff_error *err = NULL;
  gilstuff_status st = gilstuff_pool_free((gilstuff_pool *)pool, &err);
  return (gs_res){st, (uintptr_t)err};
}

gs_res_obj gs_pool_interp(uintptr_t pool, size_t index) {
  gilstuff_interp *in = NULL;
  gilstuff_error *err = NULL;
  gilstuff_status st = gilstuff_pool_interp((gilstuff_pool *)pool, index, &in, &err);
  return (gs_res_obj){st, (uintptr_t)err, (uintptr_t)in};
}

// ---- Go records → gilstuff_value ----

static gilstuff_status to_value(const gs_val *v, size_t i, const char *data,
                                gilstuff_value **out, gilstuff_error **err) {
  const gs_val *x = &v[i];
  switch (x->kind) {
  case GS_NONE: *out = gilstuff_value_none(); return GILSTUFF_OK;
  case GS_BOOL: *out = gilstuff_value_bool(x->a != 0); return GILSTUFF_OK;
  case GS_INT: *out = gilstuff_value_int((int64_t)x->a); return GILSTUFF_OK;
  case GS_FLOAT: {
    double f;
    memcpy(&f, &x->a, sizeof f);
    *out = gilstuff_value_float(f);
    return GILSTUFF_OK;
  }
  case GS_STR: return gilstuff_value_str(x->b ? data + x->a : NULL, (size_t)x->b, out, err);
  case GS_BYTES:
    return gilstuff_value_bytes(x->b ? (const uint8_t *)data + x->a : NULL, (size_t)x->b, out, err);
  case GS_LIST: {
    gilstuff_value *list = gilstuff_value_list_new();
    for (size_t k = 0; k < (size_t)x->b; k++) {
      gilstuff_value *item = NULL;
      gilstuff_status st = to_value(v, (size_t)x->a + k, data, &item, err);
      if (st == GILSTUFF_OK) {
        st = gilstuff_value_list_push(list, item, err);
        if (st != GILSTUFF_OK) gilstuff_value_free(item);
      }
      if (st != GILSTUFF_OK) {
        gilstuff_value_free(list);
        return st;
      }
    }
    *out = list;
    return GILSTUFF_OK;
  }
  }
  return GILSTUFF_ERR_INVALID_ARGUMENT;
}

// ---- gilstuff_value → records ----

// Counts the records and data bytes `value` flattens to.
static void measure(const gilstuff_value *value, size_t *nvals, size_t *ndata) {
  const char *s;
  const uint8_t *b;
  size_t n;
  (*nvals)++;
  switch (gilstuff_value_get_kind(value)) {
  case GILSTUFF_VALUE_STR:
    if (gilstuff_value_get_str(value, &s, &n, NULL) == GILSTUFF_OK) *ndata += n;
    break;
  case GILSTUFF_VALUE_BYTES:
    if (gilstuff_value_get_bytes(value, &b, &n, NULL) == GILSTUFF_OK) *ndata += n;
    break;
  case GILSTUFF_VALUE_LIST:
    if (gilstuff_value_list_len(value, &n, NULL) != GILSTUFF_OK) break;
    for (size_t k = 0; k < n; k++) {
      const gilstuff_value *item = NULL;
      if (gilstuff_value_list_get(value, k, &item, NULL) == GILSTUFF_OK) measure(item, nvals, ndata);
    }
    break;
  }
}

typedef struct {
  gs_val *vals;
  size_t nvals;  // records used
  char *data;
  size_t ndata;  // bytes used
} flat;

static void put_bytes(flat *f, gs_val *r, uint32_t kind, const void *p, size_t n) {
  r->kind = kind;
  r->a = f->ndata;
  r->b = n;
  if (n) memcpy(f->data + f->ndata, p, n);
  f->ndata += n;
}

// Writes `value` into record i (already reserved); a list's items go to a new run.
static void flatten(flat *f, size_t i, const gilstuff_value *value) {
  gs_val *r = &f->vals[i];
  memset(r, 0, sizeof *r);
  const char *s;
  const uint8_t *b;
  size_t n;
  bool bv;
  int64_t iv;
  double dv;
  switch (gilstuff_value_get_kind(value)) {
  case GILSTUFF_VALUE_BOOL:
    gilstuff_value_get_bool(value, &bv, NULL);
    r->kind = GS_BOOL;
    r->a = bv;
    break;
  case GILSTUFF_VALUE_INT:
    gilstuff_value_get_int(value, &iv, NULL);
    r->kind = GS_INT;
    r->a = (uint64_t)iv;
    break;
  case GILSTUFF_VALUE_FLOAT:
    gilstuff_value_get_float(value, &dv, NULL);
    r->kind = GS_FLOAT;
    memcpy(&r->a, &dv, sizeof dv);
    break;
  case GILSTUFF_VALUE_STR:
    if (gilstuff_value_get_str(value, &s, &n, NULL) == GILSTUFF_OK) put_bytes(f, r, GS_STR, s, n);
    break;
  case GILSTUFF_VALUE_BYTES:
    if (gilstuff_value_get_bytes(value, &b, &n, NULL) == GILSTUFF_OK) put_bytes(f, r, GS_BYTES, b, n);
    break;
  case GILSTUFF_VALUE_LIST: {
    if (gilstuff_value_list_len(value, &n, NULL) != GILSTUFF_OK) n = 0;
    size_t first = f->nvals;
    f->nvals += n;
    r->kind = GS_LIST;
    r->a = first;
    r->b = n;
    for (size_t k = 0; k < n; k++) {
      const gilstuff_value *item = NULL;
      gilstuff_value_list_get(value, k, &item, NULL);
      flatten(f, first + k, item);  // f->vals does not move: sized by measure()
    }
    break;
  }
  default:
    r->kind = GS_NONE;
  }
}

gs_res_pool gs_pool_call(uintptr_t pool, const char *module, size_t module_len,
                         const char *function, size_t function_len,
                         const gs_val *args, size_t nargs, const char *data,
                         gs_val *out_vals, size_t out_vals_cap,
                         char *out_data, size_t out_data_cap) {
  gs_res_pool res = {GILSTUFF_OK, 0, NULL, 0, NULL, 0};
  gilstuff_error *err = NULL;
  char mstack[NAME_CAP], fstack[NAME_CAP];
  char *m = gs_cstr(module, module_len, mstack, sizeof mstack);
  char *fn = gs_cstr(function, function_len, fstack, sizeof fstack);
  gilstuff_value *astack[STACK_ARGS];
  gilstuff_value **av = nargs <= STACK_ARGS ? astack : calloc(nargs, sizeof *av);
  size_t built = 0;
  gilstuff_value *result = NULL;
  if (m == NULL || fn == NULL || av == NULL) {
    res.status = GILSTUFF_ERR_INVALID_ARGUMENT;
    goto out;
  }
  for (; built < nargs; built++) {
    res.status = to_value(args, built, data, &av[built], &err);
    if (res.status != GILSTUFF_OK) goto out;
  }
  res.status = gilstuff_pool_call((gilstuff_pool *)pool, m, fn,
                                  (const gilstuff_value *const *)av, nargs, &result, &err);
  if (res.status != GILSTUFF_OK) goto out;
  size_t nvals = 0, ndata = 0;
  measure(result, &nvals, &ndata);
  flat f = {out_vals, 1, out_data, 0};
  if (nvals > out_vals_cap) f.vals = malloc(nvals * sizeof *f.vals);
  if (ndata > out_data_cap) f.data = malloc(ndata);
  if (f.vals == NULL || (ndata > 0 && f.data == NULL)) {
    gs_pool_result_free(f.vals, out_vals, f.data, out_data);
    res.status = GILSTUFF_ERR_INVALID_ARGUMENT;
    goto out;
  }
  flatten(&f, 0, result);
  res.vals = f.vals;
  res.nvals = f.nvals;
  res.data = f.data;
  res.ndata = f.ndata;
out:
  gilstuff_value_free(result);
  if (av != NULL)
    for (size_t k = 0; k < built; k++) gilstuff_value_free(av[k]);
  if (av != astack) free(av);
  if (m != NULL) gs_cstr_free(m, mstack);
  if (fn != NULL) gs_cstr_free(fn, fstack);
  res.err = (uintptr_t)err;
  return res;
}

void gs_pool_result_free(gs_val *vals, gs_val *out_vals, char *data, char *out_data) {
  if (vals != out_vals) free(vals);
  if (data != out_data) free(data);
}
