# Constant references through the inline cache: nested, const_missing, const_set, errors.
module A
  X = 1
  module B
    def self.get = [X, A::X, B.name]
  end
end
p A::B.get
class Foo
  def self.const_missing(n) = "missing #{n}"
end
p Foo::Nope
3.times { |i| p A::X + i }
A.const_set(:Y, 5)
p A::Y
A::X2 = 10
p A::X2
def m = Nope2
begin
  m
rescue NameError => e
  p e.message.lines.first.chomp, e.backtrace[0]
end
x = begin; Zzz; rescue NameError; :rescued; end
p x
p(defined?(A::Q), defined?(A::X))
