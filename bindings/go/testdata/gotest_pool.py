"""Python side of the Go binding's sub-interpreter and pool tests."""
import sys


def add(a, b):
    return a + b


def echo(*args):
    """Returns its arguments as a list (one argument: itself)."""
    return args[0] if len(args) == 1 else list(args)


def kinds(*args):
    return [type(a).__name__ for a in args]


def boom(msg):
    raise ValueError(msg)


def not_plain():
    return {"a": 1}


def big(n):
    return [str(i) * 10 for i in range(n)]


def modules_id():
    """Differs between interpreters: each has its own sys.modules."""
    return id(sys.modules)


def set_marker(v):
    global marker
    marker = v


def get_marker():
    return globals().get("marker")


def sum_squares(n):
    s = 0
    for i in range(n):
        s += i * i
    return s
