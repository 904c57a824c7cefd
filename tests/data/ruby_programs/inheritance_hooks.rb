# Hooks: inherited, included, extended, method_added; Module#===, ancestors with prepend.
module Plugin
  def self.included(base)
    (@hosts ||= []) << base.name
    base.extend(ClassMethods)
  end
  def self.hosts = @hosts
  module ClassMethods
    def plugin_name = "plugin for #{name}"
  end
end
class Host1; include Plugin; end
class Host2; include Plugin; end
p Plugin.hosts, Host1.plugin_name, Plugin === Host1.new, Host2.include?(Plugin)
module Logged
  def run = "logged(#{super})"
end
class Task
  prepend Logged
  def run = "task"
end
p Task.new.run, Task.ancestors.first(3)
class Tracker
  def self.method_added(m) = (@names ||= []) << m
  def self.names = @names
  def a; end
  def b; end
end
p Tracker.names
