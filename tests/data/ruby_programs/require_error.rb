# An error raised inside a file loaded by require_relative: the <top (required)> and
# require_relative frames of the backtrace.
$trigger = true
require_relative "require_error_lib"
