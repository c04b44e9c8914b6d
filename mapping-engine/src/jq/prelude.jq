# Definitions that give jq 1.8's answers where jaq's standard library differs.
# They follow jaq's own definitions, so later ones shadow earlier ones.

def _jaq_range(from; upto; by): range(from; upto; by);

# jaq's natives that lengthen a string build it within the size budget.
def _jaq_escape_html: escape_html;
def escape_html: _jaq_escape_html | _jq_string;
def _jaq_encode_uri: encode_uri;
def encode_uri: _jaq_encode_uri | _jq_string;
def _jaq_encode_base64: encode_base64;
def encode_base64: _jaq_encode_base64 | _jq_string;

def _jq_key(k): k | if type == "string" then . else error("Object keys must be strings") end;
def tostring: _jq_tostring;
def tojson: _jq_tojson;
def tonumber: _jq_tonumber;
def @text: _jq_tostring;
def @json: _jq_tojson;
def @html: _jq_tostring | escape_html;
def @uri: _jq_tostring | encode_uri;
def @base64: _jq_tostring | encode_base64;
def @base64d: _jq_tostring | _jq_base64d;
def @csv: _jq_csv;
def @tsv: _jq_tsv;
def @sh:
  def quote: if type == "string" then "'" + escape_sh + "'"
             elif type == "object" or type == "array" then error("\(type) (\(tojson)) can not be escaped for shell")
             else tostring end;
  if type == "array" then map(quote) | join(" ") else quote end;
def @base32: error("base32 is not a valid format");
def @base32d: error("base32d is not a valid format");
def format($f):
  if $f == "text" then @text elif $f == "json" then @json elif $f == "csv" then @csv
  elif $f == "tsv" then @tsv elif $f == "html" then @html elif $f == "uri" then @uri
  elif $f == "sh" then @sh elif $f == "base64" then @base64 elif $f == "base64d" then @base64d
  else error("\($f) is not a valid format") end;

def join($x): _jq_join($x);

# Paths: assignment through null, and deletion that keeps key order.
def setpath($p; $v): _jq_setpath($p; $v);
def delpaths($ps): _jq_delpaths($ps);
def del(f): delpaths([path(f)]);
def _jq_assign(paths; $v): reduce path(paths) as $p (.; setpath($p; $v));
def _jq_modify(paths; update):
  reduce path(paths) as $p ([., []];
    . as [$x, $dels]
    | label $out
    | (($x | getpath($p) | update) as $v | [($x | setpath($p; $v)), $dels] | ., break $out),
      [$x, $dels + [$p]])
  | . as [$x, $dels] | $x | delpaths($dels);
def to_entries: [keys_unsorted[] as $k | {key: $k, value: .[$k]}];
def from_entries: reduce .[] as $x ({};
    . + { (_jq_key($x | if .key == null then .k // .name // .Name // .K // .Key else .key end)):
          ($x | if has("value") then .value else .v end) });
def with_entries(f): to_entries | map(f) | from_entries;
def pick(pathexps): . as $top | reduce path(pathexps) as $p (null; setpath($p; $top | getpath($p)));
def map_values(f): .[] |= f;
def walk(f): def w: if type == "object" then map_values(w) elif type == "array" then map(w) else . end | f; w;
def tostream: path(def r: (.[]?|r), .; r) as $p | getpath($p) | reduce path(.[]?) as $q ([$p, .]; [$p+$q]);
def fromstream(f): { x: null, e: false } as $init
  | foreach f as $i ($init;
      if .e then $init else . end
      | if $i | length == 2
        then setpath(["e"]; $i[0] | length == 0) | setpath(["x"] + $i[0]; $i[1])
        else setpath(["e"]; $i[0] | length == 1) end;
      if .e then .x else empty end);
def truncate_stream(stream): . as $n | null | stream | . as $input
  | if (.[0] | length) > $n then setpath([0]; .[0][$n:]) else empty end;

# Generators spend the evaluation budget, so that no configuration runs forever.
def range($upto): _jaq_range(0; $upto; 1) | _tick;
def range($from; $upto): _jaq_range($from; $upto; 1) | _tick;
def range($from; $upto; $by): _jaq_range($from; $upto; $by) | _tick;
def repeat(f): def _repeat: _tick | f, _repeat; _repeat;
def recurse(f): def r: _tick | ., (f | r); r;
def recurse(f; cond): def r: _tick | ., (f | select(cond) | r); r;
def recurse: recurse(.[]?);
def while(cond; update): def _while: _tick | if cond then ., (update | _while) else empty end; _while;
def until(cond; update): def _until: _tick | if cond then . else (update | _until) end; _until;
def limit($n; f):
  if $n > 0 then label $out | foreach f as $item (0; . + 1; $item, if . >= $n then break $out else empty end)
  elif $n == 0 then empty
  else error("limit doesn't support negative count") end;

# Builtins jq has and jaq lacks.
def IN(s): any(s == .; .);
def IN(src; s): any(src == s; .);
def INDEX(stream; idx_expr): reduce stream as $row ({}; .[$row | idx_expr | tostring] |= $row);
def INDEX(idx_expr): INDEX(.[]; idx_expr);
def JOIN($idx; idx_expr): [.[] | [., $idx[idx_expr]]];
def JOIN($idx; stream; idx_expr): stream | [., $idx[idx_expr]];
def JOIN($idx; stream; idx_expr; join_expr): stream | [., $idx[idx_expr]] | join_expr;
def trimstr($x): ltrimstr($x) | rtrimstr($x);
def input: error("No more inputs");
def inputs: empty;
def input_filename: null;
def input_line_number: error("Unknown input line number");
def get_search_list: [];
def get_jq_origin: null;
def get_prog_origin: null;
def have_literal_numbers: true;
def have_decnum: true;
def env: $ENV;

# Regular expressions: jq accepts a [regex, flags] array and null flags.
def _jq_re_args($val):
  ($val | type) as $vt
  | if $vt == "string" then [$val, null]
    elif $vt == "array" and ($val | length) > 1 then $val[0:2]
    elif $vt == "array" and ($val | length) > 0 then [$val[0], null]
    else error($vt + " not a string or array") end;
def test($val): _jq_re_args($val) as [$re, $flags] | test($re; $flags);
def match($val): _jq_re_args($val) as [$re, $flags] | match($re; $flags);
def capture($val): _jq_re_args($val) as [$re, $flags] | capture($re; $flags);
def splits($re): splits($re; null);

# Dates: glibc's strptime/strftime and timegm, in UTC.
def strptime($fmt): _jq_strptime($fmt);
def strftime($fmt): _jq_strftime($fmt);
def mktime: _jq_mktime;
def gmtime: _jq_gmtime;
def todateiso8601: strftime("%Y-%m-%dT%H:%M:%SZ");
def fromdateiso8601: strptime("%Y-%m-%dT%H:%M:%SZ") | mktime;
def todate: todateiso8601;
def fromdate: fromdateiso8601;
