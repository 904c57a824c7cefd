# Refinements: refine, using at the top and in a module, super from a refined method, send.
module StrRefine
  refine String do
    def shout = upcase + "!"
    def length = super * 10
    def twice = shout * 2
  end
end
module IntRefine
  refine Integer do
    def double = self * 2
    def to_s = "int:#{super}"
  end
end
p "a".respond_to?(:shout)
begin
  "a".shout
rescue NoMethodError => e
  p e.class
end
using StrRefine
using IntRefine
p "hi".shout, "abc".length, 3.double, 5.to_s, "x".twice
def later = "x".shout
p later
p "a".send(:shout)
class Sub < String; end
p Sub.new("q").shout
p StrRefine.class, IntRefine.instance_methods
def in_method
  using StrRefine
rescue RuntimeError => e
  puts e.message
end
in_method
[1].each do
  using StrRefine
rescue RuntimeError => e
  puts e.message
end
module Other
  using IntRefine
  p 4.double
  def self.m
    using IntRefine
  rescue RuntimeError => e
    puts e.message
  end
  m
end
