"""The one exception type symbackprop raises for bad input."""


class SpecError(ValueError):
    """A spec, expression or option is invalid.

    The message is a single line that names the offending key or value and says
    what was expected, so the command line can print it as it is.
    """
