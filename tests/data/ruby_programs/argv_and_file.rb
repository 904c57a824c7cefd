# ARGV, $0, __FILE__, __method__, __dir__ basename and __LINE__.
p ARGV, ARGV.empty?
p $0 == __FILE__, File.basename(__FILE__) rescue p [$0 == __FILE__, "argv_and_file.rb"]
def who = __method__
p who, __LINE__
p defined?(ARGV), defined?(@nothing), defined?(String.new), defined?(zork)
