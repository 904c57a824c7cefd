# Data structures written in Ruby: stack, queue, linked list with Enumerable.
class Stack
  def initialize = @items = []
  def push(x) = tap { @items.push(x) }
  def pop = @items.pop
  def peek = @items.last
  def empty? = @items.empty?
  def size = @items.size
end
s = Stack.new
s.push(1).push(2).push(3)
p s.pop, s.peek, s.size, s.empty?
class LinkedList
  include Enumerable
  Node = Struct.new(:value, :next_node)
  def initialize(*vals)
    @head = nil
    vals.each { |v| add(v) }
  end
  def add(v)
    node = Node.new(v, nil)
    if @head.nil?
      @head = node
    else
      cur = @head
      cur = cur.next_node while cur.next_node
      cur.next_node = node
    end
    self
  end
  def each
    cur = @head
    while cur
      yield cur.value
      cur = cur.next_node
    end
  end
  def to_s = "(#{to_a.join(' -> ')})"
end
list = LinkedList.new(3, 1, 2)
list.add(5)
puts list
p list.sort, list.map { |x| x * x }, list.include?(5), list.count, list.min, list.sum, list.first(2)
def balanced?(str)
  pairs = { ")" => "(", "]" => "[", "}" => "{" }
  stack = []
  str.each_char do |c|
    if pairs.value?(c) then stack.push(c)
    elsif pairs.key?(c) then return false unless stack.pop == pairs[c]
    end
  end
  stack.empty?
end
p ["(a[b]{c})", "(]", "((", ""].map { |t| balanced?(t) }
