(ns progs.strings (:gen-class) (:require [clojure.string :as str]))
(defn -main [& args]
  (let [s "The quick brown fox jumps over the lazy dog"]
    (println (str/join "-" (map count (str/split s #" "))))
    (println (take 5 (sort (frequencies (filter #(Character/isLetter (char %)) (str/lower-case s))))))
    (println (format "%.6f %x %6s|" Math/E 255 "pad"))
    (println (apply str (repeat 3 "abc")))
    (println (str/capitalize (str/reverse s)))
    (println (str/upper-case (subs s 4 9)))
    (println (str/replace s #"o" "0"))
    (println (str/index-of s "fox") (str/includes? s "cat"))
    (println (pr-str {:a "x" :b [1 \c]}))
    (println (str/trim "  pad  ") (str/blank? "  "))))
