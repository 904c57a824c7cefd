# define_method, instance_variable_get/set, send, class_eval, method hooks.
class Config
  SETTINGS = %i[host port debug]
  SETTINGS.each do |name|
    define_method(name) { instance_variable_get("@#{name}") }
    define_method("#{name}=") { |v| instance_variable_set("@#{name}", v) }
    define_method("#{name}?") { !!instance_variable_get("@#{name}") }
  end
  def self.method_added(name)
    (@added ||= []) << name
  end
  def self.added = @added
  def extra = 1
end
c = Config.new
c.host = "localhost"
c.port = 8080
p c.host, c.port, c.debug?, c.host?, Config.added
Config.class_eval do
  def url = "http://#{host}:#{port}"
end
p c.url, c.respond_to?(:url), Config.instance_methods(false).size
String.class_eval { def shout = upcase + "!" }
p "hey".shout
klass = Class.new(StandardError) { def message = "custom anonymous error" }
begin
  raise klass
rescue StandardError => e
  p e.message
end
obj = Object.new
obj.instance_variable_set(:@secret, 42)
p obj.instance_variable_get(:@secret), obj.instance_variables
%w[alpha beta].each_with_index { |n, i| Object.const_set(n.capitalize, i) }
p Alpha, Beta
