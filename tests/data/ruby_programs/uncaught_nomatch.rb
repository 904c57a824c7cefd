# An uncaught NoMatchingPatternError from a case/in without else.
def kind(x)
  case x
  in Integer then :int
  in String then :str
  end
end
p kind(1), kind("a")
kind(:sym)
