# format and printf specifications.
printf("%d %5d %-5d| %05d %+d % d\n", 42, 42, 42, 42, 42, 42)
printf("%.3f %10.2f %-10.1f| %e %.2e %g %g\n", 3.14159, 2.5, 1.25, 12345.6789, 0.000123, 1e-5, 123456789.0)
printf("%x %X %#x %o %#o %b %#b %08b\n", 255, 255, 255, 8, 8, 5, 5, 5)
printf("%s|%10s|%-10s|%.2s\n", "ruby", "right", "left", "truncate")
printf("%c%c%c %%\n", 72, 105, "!")
puts format("%<a>s and %<b>d", a: "named", b: 7), format("%{x}-%{y}", x: 1, y: 2)
puts "%-8s%8.3f" % ["pi", Math::PI], "%3d%%" % 50
puts format("%08.3f", -3.14159), format("%+.1e", 1234.5), format("%x", -255)
[1, 22, 333].each { |n| puts "[%4d]" % n }
puts "%s" % nil.inspect, "%p %p" % [nil, "q"]
