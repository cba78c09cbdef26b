# Shared shell functions of the bench scripts (POSIX sh). Source it; it sets nothing else.

# median V1 V2 ...: the median of numbers (the lower middle of an even count).
median() {
    printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

# cpu_ticks PID: utime + stime of a process, in clock ticks, from /proc/PID/stat.
cpu_ticks() {
    # Field 2 (comm) may hold spaces; strip through the closing parenthesis first.
    sed 's/^.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'
}

# ratio A B: A / B with two decimals, "n/a" when B is zero or empty.
ratio() {
    awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 == 0) print "n/a"; else printf "%.2f\n", a / b }'
}

CLK_TCK=$(getconf CLK_TCK)
