# Helper for require_error.rb: raises while being loaded when asked to.
def helper = raise(ArgumentError, "raised while loading")
helper if $trigger
