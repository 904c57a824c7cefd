# require_relative of a file beside this one; a second require is a no-op.
p require_relative("require_relative_lib"), require_relative("require_relative_lib")
p Geometry.area(3, 4), Geometry::VERSION
