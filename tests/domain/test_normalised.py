"""A source's normal form: equal for comments, docstrings and layout, different for any change to the program."""

from domain.normalised import normal_form, normal_sha256

SOURCE = '''"""Module docstring."""
import numpy as np


def f(x):
    """Doubles."""
    return x * 2  # a comment


class C:
    """A class."""
'''


def test_comments_docstrings_and_layout_do_not_count():
    same = 'import numpy as np\ndef f(x):\n    return (x *\n            2)\nclass C:\n    """Other words."""\n'
    assert normal_sha256(same) == normal_sha256(SOURCE) is not None


def test_any_change_to_the_program_counts():
    for changed in (SOURCE.replace("x * 2", "x * 3"), SOURCE.replace("import numpy as np", "import numpy"),
                    SOURCE + "\nY = 'a string that is not a docstring'\n", SOURCE.replace("def f(x)", "def g(x)")):
        assert normal_sha256(changed) != normal_sha256(SOURCE)


def test_a_source_that_does_not_parse_has_no_normal_form():
    assert normal_form("def f(:\n") is None and normal_sha256("\0") is None
