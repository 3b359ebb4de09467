"""Pure parsers: one module per tool output, text in, model out, ParseError on what is not that tool's."""
