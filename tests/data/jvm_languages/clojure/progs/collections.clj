(ns progs.collections (:gen-class))
(defn -main [& args]
  (let [xs [5 3 8 1 9 2]]
    (println (clojure.string/join "," (sort xs)))
    (println (reduce + (filter #(> % 5) (map #(* 2 %) xs))))
    (println (into (sorted-map) {:b 2 :a 1 :c 3}))
    (println (into (sorted-map) (group-by #(mod % 3) xs)))
    (println (partition 2 xs))
    (println (frequencies "mississippi"))
    (println (assoc-in {:a {:b 1}} [:a :c] 2))
    (println (update {:n 1} :n inc))
    (println (conj '(1 2) 0) (conj [1 2] 3) (conj #{} 1))
    (println (vec (distinct [1 2 1 3 2])))
    (println (zipmap [:x :y] [10 20]))))
