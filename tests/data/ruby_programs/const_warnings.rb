# Reassigning a constant: ruby's two warnings on stderr, with both locations.
X = 1
class Foo
  Y = 2
  Y = 3
end
X = 4
p X
