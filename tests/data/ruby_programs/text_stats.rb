# Text statistics from a heredoc.
text = <<~TEXT
  It was the best of times, it was the worst of times,
  it was the age of wisdom, it was the age of foolishness,
  it was the epoch of belief, it was the epoch of incredulity.
TEXT
lines = text.lines
words = text.downcase.scan(/[a-z]+/)
puts "lines: #{lines.size}", "words: #{words.size}", "unique: #{words.uniq.size}"
top = words.tally.sort_by { |w, c| [-c, w] }.first(4)
top.each { |w, c| puts "#{w.ljust(6)} #{'#' * c} #{c}" }
p lines.map { |l| l.chomp.length }, words.max_by(&:length), words.group_by(&:length).keys.sort
longest = lines.max_by(&:length).strip
puts longest.center(70, "-")
puts text.gsub(/\bit\b/i) { |m| m.upcase }.lines.first
squiggly = <<-EOS
    indented stays
EOS
p squiggly
