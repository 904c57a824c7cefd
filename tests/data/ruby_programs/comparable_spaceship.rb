# Comparable through <=>, sorting custom objects, clamp and between?.
class Version
  include Comparable
  attr_reader :parts
  def initialize(s) = @parts = s.split(".").map(&:to_i)
  def <=>(other) = parts <=> other.parts
  def to_s = parts.join(".")
end
vs = %w[1.10.0 1.2.3 1.2.10 0.9 2.0].map { |s| Version.new(s) }
puts vs.sort.join(" < "), vs.max, vs.min
p Version.new("1.2") == Version.new("1.2"), Version.new("1.2") < Version.new("1.10")
p Version.new("1.5").between?(Version.new("1.0"), Version.new("2.0"))
p Version.new("3.0").clamp(vs.min, vs.max).to_s
p [3, 1, 2].sort { |a, b| b <=> a }, ["bb", "a", "ccc"].sort_by(&:length), [0.5, -1, 3].minmax
p 1 <=> 2, "b" <=> "a", [1, 2] <=> [1, 3], nil <=> 1, (1 <=> "x")
