# Sorting algorithms written in Ruby.
def quicksort(a)
  return a if a.size <= 1
  pivot, *rest = a
  left, right = rest.partition { |x| x < pivot }
  quicksort(left) + [pivot] + quicksort(right)
end
def merge_sort(a)
  return a if a.size <= 1
  mid = a.size / 2
  l, r = merge_sort(a[0...mid]), merge_sort(a[mid..])
  out = []
  out << (l.first <= r.first ? l.shift : r.shift) until l.empty? || r.empty?
  out + l + r
end
def bubble(a)
  a = a.dup
  loop do
    swapped = false
    (a.size - 1).times do |i|
      if a[i] > a[i + 1]
        a[i], a[i + 1] = a[i + 1], a[i]
        swapped = true
      end
    end
    break unless swapped
  end
  a
end
data = [38, 27, 43, 3, 9, 82, 10, 3, -5, 0]
p quicksort(data), merge_sort(data), bubble(data), data.sort == quicksort(data)
words = %w[banana Apple cherry apple Banana date]
p words.sort, words.sort_by(&:downcase), words.sort_by { |w| [w.size, w] }, words.max_by(&:size)
p words.group_by(&:size).sort.to_h, words.uniq(&:downcase), words.minmax
