# An uncaught exception with a multi-line message, raised from a method called in a block.
class Validator
  def validate!(items)
    items.each { |i| raise ArgumentError, "invalid item: #{i}\nexpected a positive integer" unless i.positive? }
  end
end
puts "validating"
Validator.new.validate!([3, 2, -1])
