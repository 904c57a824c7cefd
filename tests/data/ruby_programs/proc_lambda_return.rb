# return inside procs and lambdas, next in blocks, break from a proc in its own method.
def lambda_return
  l = -> { return 1 }
  l.call
  2
end
def proc_return
  pr = proc { return 1 }
  pr.call
  2
end
p lambda_return, proc_return
def block_next = [1, 2, 3].map { |x| next x * 10 if x > 1; x }
p block_next
def each_until(arr, stop)
  arr.each do |x|
    return "stopped at #{x}" if x == stop
  end
  "never stopped"
end
p each_until([1, 2, 3], 2), each_until([1], 9)
counter = 0
adder = lambda do |n|
  return :negative if n.negative?
  counter += n
end
p adder.(5), adder.(-1), counter
l2 = lambda { |a, b = 2, *c, d:, e: 5, **f| [a, b, c, d, e, f] }
p l2.(1, d: 4), l2.arity, l2.lambda?, proc { |a, b| }.lambda?
p [[1, 2], [3, 4]].map { |a, b| a * b }, [[1, 2], [3, 4]].map(&->(pair) { pair.sum })
