# Pure-Ruby standard library files loaded from Debian's ruby: ostruct, delegate, singleton, shellwords, observer.
require 'ostruct'
require 'delegate'
require 'singleton'
require 'shellwords'
require 'observer'
os = OpenStruct.new(name: "box", size: 3)
os.color = "red"
p os.name, os.size, os.color, os.to_h, os.respond_to?(:color), os[:name]
class Loud < SimpleDelegator
  def to_s = __getobj__.to_s.upcase
end
d = Loud.new("quiet words")
p d.to_s, d.length, d.split
class Conf
  include Singleton
  attr_accessor :level
end
Conf.instance.level = 5
p Conf.instance.level, Conf.instance.equal?(Conf.instance)
p Shellwords.split("a 'b c' d\\ e"), ["x y", "z"].shelljoin
class Ticker
  include Observable
  def tick(v)
    changed
    notify_observers(v)
  end
end
class Watcher
  def update(v) = puts("saw #{v}")
end
t = Ticker.new
t.add_observer(Watcher.new)
t.tick(7)
