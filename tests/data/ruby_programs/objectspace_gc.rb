# ObjectSpace and GC basics, object ids, equal? versus ==.
class Marker; end
class SubMarker < Marker; end
p ObjectSpace.each_object(Class).select { |k| k < Marker }.map(&:name), GC.start.nil?
a = "x"
b = a
c = "x"
p a.equal?(b), a.equal?(c), a == c, a.object_id == b.object_id, 1.object_id == 1.object_id
p nil.object_id, true.object_id, 1.object_id, 2.object_id, :a.object_id == :a.object_id
