# An uncaught custom exception raised in a block inside methods.
class ConfigError < StandardError; end
class Loader
  def load_all(names)
    names.each_with_index do |n, i|
      check(n, i)
    end
  end
  def check(name, i)
    raise ConfigError, "missing value for #{name} (entry #{i})" if name.empty?
    puts "ok #{name}"
  end
end
Loader.new.load_all(["a", "b", ""])
