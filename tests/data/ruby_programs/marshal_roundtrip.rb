# Marshal: the bytes dumped for core types, loads of them, links, user hooks and errors.
Point = Struct.new(:x, :y)
class Account
  attr_reader :owner, :balance
  def initialize(owner, balance) = (@owner, @balance = owner, balance)
  def ==(o) = o.is_a?(Account) && owner == o.owner && balance == o.balance
end
class Temp
  attr_reader :deg
  def initialize(deg) = @deg = deg
  def marshal_dump = [@deg, "C"]
  def marshal_load(a) = @deg = a[0]
end
class Token
  attr_reader :text
  def initialize(text) = @text = text
  def _dump(_level) = @text.upcase
  def self._load(s) = new(s.downcase)
end
shared = "shared"
big = 2**80
defaults = Hash.new(0)
defaults[:hits] = 3
values = [nil, true, false, 0, 1, -1, 122, 123, -124, 255, -257, 65536, 2**31, -2**40, big,
          [big, big], 1.5, [1.5, 1.5], -0.0, 1e100, 1.0e-5, 0.1, 100.0, Float::INFINITY,
          "abc", "é", "bin\xff".b, "ascii".encode("US-ASCII"), :sym, [:a, :a, :é, :é],
          [shared, shared], {a: 1, "b" => [2, 3], 4 => nil}, defaults, 1..10, ("a"...),
          Point.new(1, "two"), Account.new("ann", 10), /h(e|a)llo/im, /é/, String, Kernel,
          Rational(3, 4), Complex(1, -2), Temp.new(20), Token.new("abc"), "x" * 200,
          [[[[1]]]], RuntimeError.new("oops")]
values.each do |v|
  data = Marshal.dump(v)
  back = Marshal.load(data)
  puts data.unpack1("H*")
  p back unless v.is_a?(Temp) || v.is_a?(Token) || v.is_a?(Account) || v.is_a?(Exception)
  puts "#{back.class} #{Marshal.dump(back) == data}"
end
a = Account.new("bob", 5)
copy = Marshal.load(Marshal.dump([a, a]))
p copy[0].equal?(copy[1]), copy[0] == a, copy[0].owner
p Marshal.load(Marshal.dump(Token.new("Hi"))).text, Marshal.load(Marshal.dump(Temp.new(7))).deg
e = Marshal.load(Marshal.dump(ArgumentError.new("bad input")))
p e.class, e.message
h = Marshal.load(Marshal.dump(defaults))
p h[:missing], h.keys[0].class
s = Marshal.load(Marshal.dump("frozen?"))
p s.frozen?, s.encoding, Marshal.load(Marshal.dump("k" => 1)).keys[0].frozen?
p Marshal.load(Marshal.dump([1, "a"]), ->(x) { x.is_a?(Integer) ? x * 10 : x })
p Marshal.load(Marshal.dump(["a"]), freeze: true).then { |x| [x.frozen?, x[0].frozen?] }
p Marshal::MAJOR_VERSION, Marshal::MINOR_VERSION
[-> { Marshal.dump(proc {}) }, -> { Marshal.dump(Hash.new { 1 }) },
 -> { o = Object.new; def o.x = 1; Marshal.dump(o) }, -> { Marshal.dump([[1]], 1) },
 -> { Marshal.load("") }, -> { Marshal.load("\x04\x09[") }, -> { Marshal.load("\x04\x08[\x07") },
 -> { Marshal.load("\x04\x08o:\x08Nope\x00") }, -> { Marshal.load("\x04\x08Q") },
 -> { Marshal.load("\x04\x08@\x06") }, -> { Marshal.load("\x04\x08\"\x7f") },
 -> { Marshal.load(42) }].each do |bad|
  bad.call
rescue TypeError, ArgumentError => err
  puts "#{err.class}: #{err.message}"
end
