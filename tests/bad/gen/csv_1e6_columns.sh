# A header of one million columns (about 6.9 MB in one line), then one short row.
python3 -c "
import sys
cols = ['label', 'pred', 'race'] + ['c%d' % i for i in range(1000000 - 3)]
sys.stdout.write(','.join(cols) + '\n1,1,A\n')" >"$1"
