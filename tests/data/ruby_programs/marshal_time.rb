# Marshal of Time: the bytes of ruby's _dump (UTC fields, nano_num/nano_den/submicro, zone and
# offset ivars, shared zone strings), loads of dumps ruby made, and round trips.
def t(&b) = (p b.call rescue puts "#{$!.class}: #{$!.message}")
t { Marshal.dump(Time.at(1700000000, 123456789, :nsec).utc) }
t { Marshal.dump(Time.at(1700000000, 5, :usec).localtime("+09:00")) }
t { Marshal.dump(Time.at(Rational(1,3)).utc) }
t { Marshal.dump(Time.at(1.1).utc) }
t { Marshal.dump(Time.at(0, in: "-03:30")) }
t { Marshal.dump(Time.utc(2000, 2, 29, 23, 59, 59.5)) }
t { Marshal.dump([Time.at(5).utc, Time.at(5).utc, "UTC"]) }
t { x = Time.at(7).utc; Marshal.dump([x, x]) }
%w[1700000000 0 951868799].each do |s|
  t { u = Time.at(s.to_i, 999999999, :nsec).utc; l = Marshal.load(Marshal.dump(u)); [l, l.nsec, l.utc?, l == u, l.zone] }
end
t { l = Marshal.load(Marshal.dump(Time.at(0).localtime("+05:30"))); [l, l.utc_offset, l.zone, l.utc?] }
t { l = Marshal.load("\x04\bIu:\tTime\r\xD6\xE9\x1E\xC0@\xE2A5\t:\rnano_numi\x02\x15\x03:\rnano_deni\x06:\rsubmicro\"\ax\x90:\tzoneI\"\bUTC\x06:\x06EF".b); [l, l.nsec, l.subsec] }
t { l = Marshal.load("\x04\bIu:\tTime\r \x80\x11\xC0\x15\x16\x05\x00\t:\rnano_numi\x02\xE8\x03:\rnano_deni\b:\rsubmicro\"\a30:\tzoneI\"\bUTC\x06:\x06EF".b); [l, l.subsec, l.usec, l.nsec] }
t { l = Marshal.load("\x04\bIu:\tTime\r\xD6\xE9\x1E\x80\x05\x00@5\a:\tzone0:\voffseti\x02\x90~".b); [l, l.utc_offset, l.zone, l.usec] }
t { Marshal.load("\x04\bIu:\tTime\x06x\x06:\tzone0".b) }
t { Time.at(1.1).utc.inspect }
t { [Time.at(5, 1500, :usec).utc.nsec, Time.at(1, 5, :millisecond).utc.usec, Time.at(0, in: "+09:00").inspect] }
t { Time.utc(2000, 1, 2, 3, 4, 5.25).inspect }
t { Marshal.dump(Time.at(1700000000)) }
t { l = Marshal.load(Marshal.dump(Time.at(1234567890, 987654321, :nsec))); [l, l.nsec, l.utc_offset, l.zone] }
t { Marshal.dump(Time.utc(1850)) rescue [$!.class] }
Data = Struct.new(:when, :what)
t { d = Marshal.load(Marshal.dump(Data.new(Time.at(86400 * 365, 250, :millisecond).utc, "x"))); [d.when, d.when.usec, d.what] }
