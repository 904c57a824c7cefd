# A recursive-descent expression calculator with a tokenizer.
class Calc
  def initialize(src)
    @tokens = src.scan(/\d+\.?\d*|[-+*\/()^]/)
    @pos = 0
  end
  def parse
    v = expr
    raise ArgumentError, "unexpected #{peek}" if peek
    v
  end
  private
  def peek = @tokens[@pos]
  def take = (@pos += 1; @tokens[@pos - 1])
  def expr
    v = term
    while %w[+ -].include?(peek)
      op = take
      v = op == "+" ? v + term : v - term
    end
    v
  end
  def term
    v = power
    while %w[* /].include?(peek)
      op = take
      v = op == "*" ? v * power : v / power
    end
    v
  end
  def power
    b = factor
    peek == "^" ? (take; b**power) : b
  end
  def factor
    t = take
    case t
    when "(" then v = expr; take; v
    when "-" then -factor
    when /\./ then t.to_f
    else Integer(t)
    end
  end
end
["1 + 2 * 3", "(1 + 2) * 3", "2 ^ 3 ^ 2", "10 / 4", "10.0 / 4", "-(3 - 5) * 2", "2 ^ 100"].each do |e|
  puts "#{e} = #{Calc.new(e).parse}"
end
begin
  Calc.new("1 + 2 )").parse
rescue ArgumentError => err
  puts err.message
end
