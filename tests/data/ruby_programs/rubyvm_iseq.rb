# The seed's example inside the VM: RubyVM::InstructionSequence compile, disasm, eval;
# and forwardable.rb, which compiles its delegators at run time.
iseq = RubyVM::InstructionSequence.compile("puts 2+2")
puts iseq.disasm
iseq.eval
code = RubyVM::InstructionSequence.compile(<<~RUBY, "snippet.rb", "snippet.rb", 10)
  def triple(x) = x * 3
  [1, 2].map { |v| triple(v) }
RUBY
p code.eval, code.path, code.first_lineno, triple(5)
bin = RubyVM::InstructionSequence.compile("p [:from, :binary]").to_binary
RubyVM::InstructionSequence.load_from_binary(bin).eval
require 'forwardable'
class Playlist
  extend Forwardable
  def_delegators :@songs, :size, :first, :each, :<<
  def_delegator :@songs, :last, :latest
  include Enumerable
  def initialize = @songs = []
end
pl = Playlist.new
pl << "intro" << "verse" << "outro"
p pl.size, pl.first, pl.latest, pl.map(&:upcase), pl.include?("verse")
