# Trusted: imports shared by the zygote and its children. Concatenated with confine.py,
# guard.py, runner.py and zygote.py (in that order) into the program the interpreter runs.
import ast
import builtins
import ctypes
import gc
import io
import json
import linecache
import operator
import os
import random
import re
import resource
import select
import signal
import socket
import stat
import string
import struct
import sys
import tempfile
import _thread
import traceback
import typing
