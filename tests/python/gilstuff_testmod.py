"""Functions the Rust integration tests call in sub-interpreters and pools."""
import sys
import threading
import time


def add(a, b):
    return a + b


def describe(x):
    """The value back with its interpreter's identity: [x, id(sys.modules)]."""
    return [x, id(sys.modules)]


def sum_of_squares(n):
    total = 0
    for i in range(n):
        total += i * i
    return total


def sleepy(seconds, value):
    time.sleep(seconds)
    return value


def fail(message):
    raise ValueError(message)


def not_portable():
    return object()


def thread_count():
    return threading.active_count()
