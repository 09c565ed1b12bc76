"""Python side of benches/bench_pool.c (on sys.path through gilstuff_config.sys_path)."""


def sum_of_squares(n):
    """CPU-bound pure Python: a loop, no C calls that release the GIL."""
    total = 0
    for i in range(n):
        total += i * i
    return total


def add(a, b):
    """A trivial function, for the call overhead."""
    return a + b
