# ZeroDivisionError from Integer#/ reaches the top: ruby shows the `/` frame.
def average(list) = list.sum / list.size
puts average([1, 2, 3])
puts average([])
