# A policy nested 10000 arrays deep inside "gates".
python3 -c "
import sys
sys.stdout.write('{\"gates\": ' + '[' * 10000 + ']' * 10000 + '}\n')" >"$1"
